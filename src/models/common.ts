// Config pieces shared by several models.
import { z } from 'zod';

export const dims = z.array(z.number().int().positive());
export const activation = z.enum(['relu', 'sigmoid', 'tanh', 'leaky_relu']).default('relu');
export const mlpFields = {
  activation,
  dropout: z.number().min(0).lt(1).default(0),
  norm: z.enum(['none', 'batch', 'layer']).default('none'),
};
