import { z } from "zod";

/*
 * What GET /api/stream answers: stream records as the stream really carries them, keys and
 * images in raw DynamoDB JSON (`{"Score":{"N":"999"}}`), so the inspector shows types as stored.
 */

/** An attribute value as DynamoDB puts it on the wire (binaries in base64): exactly one tag. */
export const RawAttributeValue = z.union([
  z.strictObject({ S: z.string() }),
  z.strictObject({ N: z.string() }),
  z.strictObject({ B: z.string() }),
  z.strictObject({ BOOL: z.boolean() }),
  z.strictObject({ NULL: z.literal(true) }),
  z.strictObject({ SS: z.array(z.string()) }),
  z.strictObject({ NS: z.array(z.string()) }),
  z.strictObject({ BS: z.array(z.string()) }),
  z.strictObject({
    get L(): z.ZodArray<typeof RawAttributeValue> {
      return z.array(RawAttributeValue);
    },
  }),
  z.strictObject({
    get M(): z.ZodRecord<z.ZodString, typeof RawAttributeValue> {
      return z.record(z.string(), RawAttributeValue);
    },
  }),
]);
export type RawAttributeValue = z.infer<typeof RawAttributeValue>;

export const RawItem = z.record(z.string(), RawAttributeValue);
export type RawItem = z.infer<typeof RawItem>;

export const StreamEventName = z.enum(["INSERT", "MODIFY", "REMOVE"]);
export type StreamEventName = z.infer<typeof StreamEventName>;

/** A stream record as the inspector shows it: what the stream really carries. */
export const InspectorRecord = z.object({
  eventID: z.string(),
  eventName: StreamEventName,
  sequenceNumber: z.string(),
  shardId: z.string(),
  /** ISO-8601; the stream keeps whole seconds. */
  approximateCreationDateTime: z.string(),
  keys: RawItem,
  newImage: RawItem.optional(),
  oldImage: RawItem.optional(),
  sizeBytes: z.number(),
  streamViewType: z.string(),
});
export type InspectorRecord = z.infer<typeof InspectorRecord>;

/** GET /api/stream: oldest first; `cursor` continues after the last record. */
export const StreamPage = z.object({
  records: z.array(InspectorRecord),
  /** Opaque: pass it back as `?cursor=` to read on. */
  cursor: z.string(),
});
export type StreamPage = z.infer<typeof StreamPage>;
