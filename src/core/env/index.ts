export * from './config';
export * from './tradingEnv';
export * from './prepare';
