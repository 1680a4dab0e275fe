import * as Comlink from 'comlink';
import { LabApi } from './labApi';

Comlink.expose(new LabApi());
