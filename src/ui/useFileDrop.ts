import { useState, type DragEvent } from 'react';

/**
 * Drop handlers for a panel that takes files itself: the drop stops there, so the window-wide
 * handler does not also load a file as market data. `onFiles` gets every dropped file, in order.
 */
export function useFilesDrop(onFiles: (files: File[]) => void) {
  const [dragOver, setDragOver] = useState(false);
  return {
    dragOver,
    handlers: {
      onDragOver: (e: DragEvent) => {
        if (Array.from(e.dataTransfer.types).includes('Files')) {
          e.preventDefault();
          setDragOver(true);
        }
      },
      onDragLeave: () => setDragOver(false),
      onDrop: (e: DragEvent) => {
        e.preventDefault();
        e.stopPropagation();
        setDragOver(false);
        const files = Array.from(e.dataTransfer.files);
        if (files.length) onFiles(files);
      },
    },
  };
}

/** As useFilesDrop, for a panel that takes one file: the first dropped. */
export function useFileDrop(onFile: (file: File) => void) {
  return useFilesDrop((files) => onFile(files[0]));
}
