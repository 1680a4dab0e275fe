// The model layer's import path for the weight list; the list itself is derived from layerPlan.ts.
export { encoderWeightShapes, networkWeightShapes } from './layerPlan';
