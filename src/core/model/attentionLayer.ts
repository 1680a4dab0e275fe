import * as tf from '@tensorflow/tfjs';
import { encodeWindow, type EncoderDims } from '../ppo/network';
import { encoderWeightShapes } from '../ppo/weightShapes';

export interface AttentionEncoderConfig extends EncoderDims {
  stateSize: number;
  name?: string;
}

/**
 * The Enhanced variant's attention encoder as a TF.js Layers layer, registered by class name so a
 * saved model.json that uses it loads with tf.loadLayersModel wherever this module has been imported.
 * Input: the flat observation [B, lookback × features + state]; output: [B, modelDim + state].
 */
export class PpoAttentionEncoder extends tf.layers.Layer {
  static className = 'PpoAttentionEncoder';
  private readonly dims: EncoderDims;
  private readonly stateSize: number;
  private readonly weightsByName = new Map<string, tf.LayerVariable>();

  constructor(config: AttentionEncoderConfig) {
    super(config.name ? { name: config.name } : {});
    this.dims = {
      lookback: config.lookback,
      featureCount: config.featureCount,
      modelDim: config.modelDim,
      heads: config.heads,
      layers: config.layers,
    };
    this.stateSize = config.stateSize;
  }

  override build(): void {
    for (const [name, shape] of encoderWeightShapes(this.dims)) {
      this.weightsByName.set(name, this.addWeight(name, shape, 'float32', tf.initializers.zeros()));
    }
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    return [shape[0], this.dims.modelDim + this.stateSize];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const obs = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor2D;
      const windowSize = this.dims.lookback * this.dims.featureCount;
      const window = tf.slice(obs, [0, 0], [-1, windowSize]);
      const state = tf.slice(obs, [0, windowSize], [-1, this.stateSize]);
      const encoded = encodeWindow(window, (name) => this.weightsByName.get(name)!.read(), this.dims);
      return tf.concat([encoded, state], 1);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), ...this.dims, stateSize: this.stateSize };
  }
}

tf.serialization.registerClass(PpoAttentionEncoder);
