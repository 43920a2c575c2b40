/** pino-shaped: object first, then a constant snake_case event name. A pino logger fits as is. */
export interface Logger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export const silentLogger: Logger = {
  info() {},
  warn() {},
  error() {},
};
