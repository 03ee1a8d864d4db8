import { Route, Routes } from 'react-router';
import { HomePage, NotFound, RequireRight, SessionGate } from './features/shell';
import { lazyPage } from './lib/lazy-page';

// Each page is its own chunk: a driver's phone downloads the driver's screens only.
const loadDriver = () => import('./features/driver');
const IntakePage = lazyPage(() => import('./features/intake').then((module) => module.IntakePage));
const DriverShipmentsPage = lazyPage(() => loadDriver().then((module) => module.DriverShipmentsPage));
const DashboardPage = lazyPage(() => import('./features/dashboard').then((module) => module.DashboardPage));
const DriverShipmentPage = lazyPage(() => loadDriver().then((module) => module.DriverShipmentPage));
// The screens a device opens straight on (the big screen's dashboard, a phone's intake or
// driver's list): their chunks load while the session is renewed, started in a task of their own
// (naming a chunk's many files to the browser is itself a few milliseconds of a phone's time,
// better not spent inside the page's first render).
const OPENED_ON: [string, { preload(): void }][] = [
  ['/dashboard', DashboardPage],
  ['/intake', IntakePage],
  ['/driver/', DriverShipmentPage],
  ['/driver', DriverShipmentsPage],
];
const openedOn = OPENED_ON.find(([path]) => window.location.pathname.startsWith(path));
if (openedOn) setTimeout(openedOn[1].preload, 0);
const NeedsPage = lazyPage(() => import('./features/needs').then((module) => module.NeedsPage));
const ShipmentsPage = lazyPage(() => import('./features/shipments').then((module) => module.ShipmentsPage));
const PlanShipmentPage = lazyPage(() => import('./features/shipments').then((module) => module.PlanShipmentPage));
const StockPage = lazyPage(() => import('./features/stock').then((module) => module.StockPage));
const UsersPage = lazyPage(() => import('./features/users').then((module) => module.UsersPage));
const VolunteersPage = lazyPage(() => import('./features/volunteers').then((module) => module.VolunteersPage));
const CampaignsPage = lazyPage(() => import('./features/campaigns').then((module) => module.CampaignsPage));
const CataloguePage = lazyPage(() => import('./features/catalogue').then((module) => module.CataloguePage));
const ShipmentPage = lazyPage(() => import('./features/shipments').then((module) => module.ShipmentPage));
const EditShipmentPage = lazyPage(() => import('./features/shipments').then((module) => module.EditShipmentPage));
const RelayReceivePage = lazyPage(() => import('./features/relay/receive').then((module) => module.RelayReceivePage));
const LabelPage = lazyPage(() => import('./features/labels').then((module) => module.LabelPage));

/**
 * The pages, each at a bookmarkable URL served by the same server. Every page below needs a
 * session: signed out, the login shows on the page's own URL and gives way to the page.
 */
export function App() {
  return (
    <Routes>
      <Route path="needs/:campaignId" element={<NeedsPage />} />
      {/* A crate label's QR code: public (a border post has no account), checked on the device. */}
      <Route path="l/:code" element={<LabelPage />} />
      <Route element={<SessionGate />}>
        <Route
          path="dashboard"
          element={
            <RequireRight rights={['dashboard:watch']}>
              <DashboardPage />
            </RequireRight>
          }
        />
        <Route index element={<HomePage />} />
        <Route
          path="intake"
          element={
            <RequireRight rights={['donations:write']}>
              <IntakePage />
            </RequireRight>
          }
        />
        <Route
          path="driver"
          element={
            <RequireRight rights={['shipments:drive', 'shipments:manage']}>
              <DriverShipmentsPage />
            </RequireRight>
          }
        />
        <Route
          path="driver/:shipmentId"
          element={
            <RequireRight rights={['shipments:drive', 'shipments:manage']}>
              <DriverShipmentPage />
            </RequireRight>
          }
        />
        <Route
          path="shipments"
          element={
            <RequireRight rights={['shipments:manage', 'shipments:read:any']}>
              <ShipmentsPage />
            </RequireRight>
          }
        />
        <Route
          path="shipments/new"
          element={
            <RequireRight rights={['shipments:manage']}>
              <PlanShipmentPage />
            </RequireRight>
          }
        />
        <Route
          path="shipments/:shipmentId/edit"
          element={
            <RequireRight rights={['shipments:manage']}>
              <EditShipmentPage />
            </RequireRight>
          }
        />
        <Route
          path="shipments/:shipmentId"
          element={
            <RequireRight rights={['shipments:manage', 'shipments:read:any']}>
              <ShipmentPage />
            </RequireRight>
          }
        />
        <Route
          path="stock"
          element={
            <RequireRight rights={['stock:read']}>
              <StockPage />
            </RequireRight>
          }
        />
        <Route
          path="users"
          element={
            <RequireRight rights={['users:manage']}>
              <UsersPage />
            </RequireRight>
          }
        />
        <Route
          path="volunteers"
          element={
            <RequireRight rights={['volunteers:read']}>
              <VolunteersPage />
            </RequireRight>
          }
        />
        <Route
          path="campaigns"
          element={
            <RequireRight rights={['campaigns:read']}>
              <CampaignsPage />
            </RequireRight>
          }
        />
        <Route
          path="catalogue"
          element={
            <RequireRight rights={['catalogue:read']}>
              <CataloguePage />
            </RequireRight>
          }
        />
        {/* The QR relay (issue 21): any signed-in user may pass a driver's signed updates on. */}
        <Route path="relay" element={<RelayReceivePage />} />
        <Route path="*" element={<NotFound />} />
      </Route>
    </Routes>
  );
}
