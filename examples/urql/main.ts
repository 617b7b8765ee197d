import { apiUrl } from '../shared/auth-client.ts';
import { mountAuthPage } from '../shared/ui.ts';
import { createUrqlAuthClient } from './client.ts';

mountAuthPage(createUrqlAuthClient(apiUrl()), 'urql example');
