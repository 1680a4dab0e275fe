export * from './config';
export * from './tradingEnv';
export * from './prepare';
export * from './session';
