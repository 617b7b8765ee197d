import { DateTimeResolver } from 'graphql-scalars';
import { adminBuilder } from './builder.ts';

adminBuilder.addScalarType('DateTime', DateTimeResolver);
