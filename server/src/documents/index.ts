/** Printable documents as PDF: the shipment waybill, the donor receipt, the campaign summary for donors. */
export { createDocumentsService, type DocumentsService } from './documents.service';
export { documentsRoutes } from './documents.routes';
