import * as Comlink from 'comlink';
import { LabApi } from './labApi';
import { useBrowserStepThreads } from './stepThreads';

useBrowserStepThreads();

Comlink.expose(new LabApi());
