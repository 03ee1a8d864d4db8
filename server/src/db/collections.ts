import type { Model, mongo } from 'mongoose';

/**
 * The driver collection of a model, typed by the document its schema declares
 * (`new Schema<Doc>(...)`, `mongoose.model<Doc>(...)`). Components write through the driver
 * collection so that each write is exactly the single-document update the kernel states; the
 * model's schema gives the indexes and, here, the type. (Mongoose's own `Model.collection` is
 * typed over any document.) The connection keeps one collection object per name: this is it.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- only the raw document type matters here
export function collectionOf<T extends mongo.Document>(model: Model<T, any, any, any, any, any>): mongo.Collection<T> {
  return model.db.collection<T>(model.collection.collectionName);
}
