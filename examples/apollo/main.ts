import { apiUrl } from '../shared/auth-client.ts';
import { mountAuthPage } from '../shared/ui.ts';
import { createApolloAuthClient } from './client.ts';

mountAuthPage(createApolloAuthClient(apiUrl()), 'Apollo Client example');
