/** An error the engine answers with, shaped like AWS's JSON 1.0 protocol errors. */
export class AwsError extends Error {
  constructor(
    /** The `__type` AWS sends, e.g. `com.amazonaws.dynamodb.v20120810#ResourceNotFoundException`. */
    readonly type: string,
    message: string,
    readonly statusCode = 400,
  ) {
    super(message);
    this.name = type.slice(type.indexOf("#") + 1);
  }

  toBody(): { __type: string; message: string } {
    return { __type: this.type, message: this.message };
  }
}

const DYNAMODB = "com.amazonaws.dynamodb.v20120810#";

export const validationError = (message: string) =>
  new AwsError("com.amazon.coral.validate#ValidationException", message);
export const resourceNotFound = (message: string) =>
  new AwsError(`${DYNAMODB}ResourceNotFoundException`, message);
export const expiredIterator = (message: string) =>
  new AwsError(`${DYNAMODB}ExpiredIteratorException`, message);
export const trimmedDataAccess = (message: string) =>
  new AwsError(`${DYNAMODB}TrimmedDataAccessException`, message);
export const serializationError = (message: string) =>
  new AwsError("com.amazon.coral.service#SerializationException", message);
export const unknownOperation = (message: string) =>
  new AwsError("com.amazon.coral.service#UnknownOperationException", message);
export const internalError = (message: string) =>
  new AwsError(`${DYNAMODB}InternalServerError`, message, 500);
