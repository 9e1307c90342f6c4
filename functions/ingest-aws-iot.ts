/** Lambda handler for AWS IoT Core lifecycle events: invoked by an IoT topic rule, or as `POST /ingest/aws-iot` where a token is set. */
import { loadAwsIotIngestConfig } from './config.js';
import { observability } from './http/observability.js';
import { awsIotIngestDepsOf, awsIotIngestHandler } from './ingest/aws-iot.js';

export const handler = awsIotIngestHandler(awsIotIngestDepsOf(loadAwsIotIngestConfig(), observability(process.env)));
