/** CSV exports (plain or HXL-tagged) of donations, stock, movements and shipments, streamed. */
export { exportsRoutes, streamCsv } from './exports.routes';
export { donationsTable, movementsTable, shipmentsTable, stockTable, type Table, type Cell } from './exports.service';
