// The feature config a training config points to (a path relative to the config, or inline).
import { loadFeatureConfig, parseFeatureConfig, type FeatureConfig } from '../features/index.js';
import { resolvePath, type TrainConfig } from './config.js';

export function loadFeatures(cfg: TrainConfig): FeatureConfig {
  if (typeof cfg.features === 'string') return loadFeatureConfig(resolvePath(cfg, cfg.features));
  return parseFeatureConfig(cfg.features, 'config.features');
}
