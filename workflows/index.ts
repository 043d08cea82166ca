export * from './alerts';
export * from './dossier';
