import { useEffect, useRef } from 'react';
import { Button, Group, Stack, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';

/** The signature's box, in the units of its path (the server and the PDFs read the same box). */
export const SIGNATURE_WIDTH = 300;
export const SIGNATURE_HEIGHT = 120;
/** The server's limit on the path's length (shared SIGNATURE_PATH_MAX). */
const PATH_MAX = 20_000;

type Stroke = [number, number][];

/** Strokes as compact SVG path data: `M x y L x y ...` in whole units of the 300 x 120 box. */
export function strokesToPath(strokes: Stroke[]): string {
  const parts: string[] = [];
  for (const stroke of strokes) {
    if (stroke.length === 0) continue;
    const points = stroke.length === 1 ? [stroke[0]!, [stroke[0]![0] + 1, stroke[0]![1]] as [number, number]] : stroke;
    parts.push(points.map(([x, y], i) => `${i === 0 ? 'M' : 'L'}${x} ${y}`).join(' '));
  }
  return parts.join(' ');
}

/**
 * A signature drawn with a finger (or a mouse): a large canvas, pointer events, a clear button.
 * `onChange` gets the drawing as SVG path data (null when empty), which stays small (a few kB).
 */
export function SignaturePad({ label, onChange }: { label: string; onChange(path: string | null): void }) {
  const { t } = useTranslation();
  const canvas = useRef<HTMLCanvasElement>(null);
  const strokes = useRef<Stroke[]>([]);
  const drawing = useRef(false);

  const redraw = () => {
    const c = canvas.current;
    const g = c?.getContext('2d');
    if (!c || !g) return;
    g.setTransform(c.width / SIGNATURE_WIDTH, 0, 0, c.height / SIGNATURE_HEIGHT, 0, 0);
    g.clearRect(0, 0, SIGNATURE_WIDTH, SIGNATURE_HEIGHT);
    g.strokeStyle = '#1a237e';
    g.lineWidth = 2.5;
    g.lineCap = 'round';
    g.lineJoin = 'round';
    for (const stroke of strokes.current) {
      g.beginPath();
      stroke.forEach(([x, y], i) => (i === 0 ? g.moveTo(x, y) : g.lineTo(x, y)));
      if (stroke.length === 1) g.lineTo(stroke[0]![0] + 1, stroke[0]![1]);
      g.stroke();
    }
  };

  useEffect(() => {
    const c = canvas.current;
    if (!c) return;
    // Sharp on a phone's dense screen: the backing store at the device's pixel ratio.
    const ratio = window.devicePixelRatio || 1;
    c.width = Math.round(c.clientWidth * ratio);
    c.height = Math.round(c.clientHeight * ratio);
    redraw();
  }, []);

  const point = (event: React.PointerEvent<HTMLCanvasElement>): [number, number] => {
    const box = event.currentTarget.getBoundingClientRect();
    const x = Math.round(((event.clientX - box.left) / box.width) * SIGNATURE_WIDTH);
    const y = Math.round(((event.clientY - box.top) / box.height) * SIGNATURE_HEIGHT);
    return [Math.max(0, Math.min(SIGNATURE_WIDTH, x)), Math.max(0, Math.min(SIGNATURE_HEIGHT, y))];
  };

  const report = () => {
    const path = strokesToPath(strokes.current);
    onChange(path && path.length <= PATH_MAX ? path : null);
  };

  return (
    <Stack gap={4}>
      <Text fw={500} id="signature-label">
        {label}
      </Text>
      <canvas
        ref={canvas}
        role="img"
        aria-labelledby="signature-label"
        data-testid="signature-pad"
        style={{
          width: '100%',
          aspectRatio: `${SIGNATURE_WIDTH} / ${SIGNATURE_HEIGHT}`,
          border: '2px dashed #868e96',
          borderRadius: 6,
          background: '#fff',
          touchAction: 'none',
          cursor: 'crosshair',
        }}
        onPointerDown={(event) => {
          event.currentTarget.setPointerCapture(event.pointerId);
          drawing.current = true;
          strokes.current.push([point(event)]);
          redraw();
        }}
        onPointerMove={(event) => {
          if (!drawing.current) return;
          const stroke = strokes.current[strokes.current.length - 1]!;
          const [x, y] = point(event);
          const last = stroke[stroke.length - 1]!;
          // Points closer than 2 units add nothing visible: the path stays short.
          if (Math.abs(last[0] - x) + Math.abs(last[1] - y) < 2) return;
          stroke.push([x, y]);
          redraw();
        }}
        onPointerUp={() => {
          if (!drawing.current) return;
          drawing.current = false;
          report();
        }}
        onPointerCancel={() => {
          drawing.current = false;
          report();
        }}
      />
      <Group justify="space-between">
        <Text size="sm" c="dimmed">
          {t('pod.signatureHint')}
        </Text>
        <Button
          variant="default"
          size="md"
          onClick={() => {
            strokes.current = [];
            redraw();
            onChange(null);
          }}
          data-testid="signature-clear"
        >
          {t('pod.clearSignature')}
        </Button>
      </Group>
    </Stack>
  );
}
