/**
 * Lets queued messages (pause, stop) in. On wasm and cpu every await of a fold's update settles as a
 * microtask, so without this a pause sent mid-fold waits for the fold to end.
 */
export function yieldToMessages(): Promise<void> {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(null);
  });
}
