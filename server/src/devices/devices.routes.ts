import {
  deviceListSchema,
  deviceSchema,
  idParams,
  registerDeviceBody,
  type RegisterDeviceRequest,
} from '@karavan/shared';
import { idempotentId } from '../lib/idempotency';
import { defineRoute, type RouteSpec } from '../lib/route';
import type { DevicesService } from './devices.service';

export function devicesRoutes(service: DevicesService): RouteSpec[] {
  return [
    defineRoute<RegisterDeviceRequest>({
      method: 'post',
      path: '/api/devices',
      tag: 'custody',
      summary: "Register a phone's device key (chain of custody)",
      description:
        "`publicKey` is a public JWK: ECDSA P-256 `{ kty: 'EC', crv: 'P-256', x, y }` (what WebCrypto makes non-extractable keys for in every browser) or Ed25519 `{ kty: 'OKP', crv: 'Ed25519', x }`; `ext`, `key_ops`, `alg`, `use` and `kid` are accepted and dropped. A private member (`d`) is 400 (`body.publicKey.d`); a curve that does not fit `kty`, a missing or extra `y`, or a point not on the curve is 422 with the field. The device is registered to the caller; status updates it signs (`deviceId`, `signature`) are stored verified. Any signed-in user, for themselves. Honours `Idempotency-Key` (a retry gets the first device).",
      access: 'profile:own',
      idempotent: true,
      body: registerDeviceBody,
      responses: {
        201: { description: 'The device (its `id` is what updates name)', schema: deviceSchema },
        400: { description: 'Not a public JWK of P-256 or Ed25519, or a private key member (details name the field)' },
        422: {
          description: 'A curve or y that does not fit kty, or a point not on its curve (details name the field)',
        },
      },
      async handler({ actor, body, res }) {
        return { status: 201, body: await service.register(actor!, body, idempotentId(res)) };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/devices',
      tag: 'custody',
      summary: "The caller's own devices",
      description: 'Newest first, revoked ones too (`revokedAt`).',
      access: 'profile:own',
      responses: { 200: { description: "The caller's devices", schema: deviceListSchema } },
      async handler({ actor }) {
        return { status: 200, body: await service.listOwn(actor!) };
      },
    }),
    defineRoute<undefined, undefined, { id: string }>({
      method: 'delete',
      path: '/api/devices/:id',
      tag: 'custody',
      summary: 'Revoke a device (organisers)',
      description:
        'A lost or stolen phone: updates it signs from now on are refused (403). What it signed before stays verified, and its key stays in custody exports. Repeating it changes nothing more.',
      access: 'users:manage',
      params: idParams,
      responses: {
        200: { description: 'The device, revoked', schema: deviceSchema },
        404: { description: 'No such device' },
      },
      async handler({ actor, params }) {
        return { status: 200, body: await service.revoke(actor!, params.id) };
      },
    }),
  ];
}
