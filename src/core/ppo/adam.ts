import * as tf from '@tensorflow/tfjs';

/**
 * Adam (Kingma & Ba 2015) over a fixed list of variables, with a learning rate the trainer may change
 * between steps (annealing, adaptive KL) and state that can be saved and restored with a model.
 * ε = 1e-5 as in CleanRL's PPO.
 */
export class Adam {
  learningRate: number;
  private readonly beta1 = 0.9;
  private readonly beta2 = 0.999;
  private readonly epsilon = 1e-5;
  private readonly m: tf.Variable[];
  private readonly v: tf.Variable[];
  private step = 0;

  constructor(
    private readonly variables: tf.Variable[],
    learningRate: number,
  ) {
    this.learningRate = learningRate;
    this.m = variables.map((x) => tf.variable(tf.zerosLike(x), false));
    this.v = variables.map((x) => tf.variable(tf.zerosLike(x), false));
  }

  /** Applies one update from gradients given in `variables` order. Disposes nothing it was given. */
  apply(grads: tf.Tensor[]): void {
    this.step += 1;
    const correction1 = 1 - this.beta1 ** this.step;
    const correction2 = 1 - this.beta2 ** this.step;
    const stepSize = (this.learningRate * Math.sqrt(correction2)) / correction1;
    tf.tidy(() => {
      for (let i = 0; i < this.variables.length; i++) {
        const g = grads[i];
        const m = tf.add(tf.mul(this.m[i], this.beta1), tf.mul(g, 1 - this.beta1));
        const v = tf.add(tf.mul(this.v[i], this.beta2), tf.mul(tf.square(g), 1 - this.beta2));
        this.m[i].assign(m);
        this.v[i].assign(v);
        this.variables[i].assign(tf.sub(this.variables[i], tf.mul(tf.div(m, tf.add(tf.sqrt(v), this.epsilon * Math.sqrt(correction2))), stepSize)));
      }
    });
  }

  /** Moment estimates and step count, to resume training exactly. */
  state(): { step: number; m: tf.Tensor[]; v: tf.Tensor[] } {
    return { step: this.step, m: this.m, v: this.v };
  }

  restore(step: number, m: tf.Tensor[], v: tf.Tensor[]): void {
    if (m.length !== this.m.length || v.length !== this.v.length) throw new RangeError('Optimizer state does not match the network.');
    this.step = step;
    m.forEach((t, i) => this.m[i].assign(t));
    v.forEach((t, i) => this.v[i].assign(t));
  }

  dispose(): void {
    for (const t of [...this.m, ...this.v]) t.dispose();
  }
}
