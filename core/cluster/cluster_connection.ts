/**
 * Connecting to a NATS server with JetStream and making sure the jobs stream (work-queue
 * retention, file storage, de-duplication by job id), the shared worker consumer (explicit acks,
 * ack wait, max deliver) and the results bucket exist.
 * @module
 */
import { connect, type NatsConnection } from "@nats-io/transport-node";
import {
  AckPolicy,
  type Consumer,
  DeliverPolicy,
  jetstream,
  type JetStreamClient,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
} from "@nats-io/jetstream";
import { type KV, Kvm } from "@nats-io/kv";
import { InputError } from "../input_error.ts";
import { JOBS_STREAM, JOBS_SUBJECT, RESULTS_BUCKET, WORKERS_CONSUMER } from "./job_protocol.ts";

/** Redelivery settings of the shared consumer (fixed by whoever creates it first). */
export interface QueueOptions {
  /** Seconds after which a job neither acked nor heartbeated is redelivered (default 30). */
  ackWaitSeconds?: number;
  /** Deliveries of a job before it is reported failed (default 5). */
  maxDeliver?: number;
}

/** An open cluster connection: the NATS connection, JetStream, the consumer and the results. */
export interface Cluster {
  /** The NATS connection. */
  nc: NatsConnection;
  /** JetStream client (publishing jobs). */
  js: JetStreamClient;
  /** The shared worker consumer. */
  consumer: Consumer;
  /** The results bucket. */
  results: KV;
  /** The consumer's max deliver. */
  maxDeliver: number;
  /** The consumer's ack wait in milliseconds. */
  ackWaitMs: number;
}

/** Parses `nats://HOST:PORT` into the server address; throws a one-line error otherwise. */
export function parseClusterUrl(url: string): string {
  const m = /^nats:\/\/([A-Za-z0-9.\-]+|\[[0-9a-fA-F:]+\]):(\d{1,5})$/.exec(url);
  if (!m || Number(m[2]) < 1 || Number(m[2]) > 65535) {
    throw new InputError(`Invalid --cluster: must be nats://HOST:PORT: current value is ${url}`);
  }
  return `${m[1]}:${m[2]}`;
}

/** Connects to the server at `url` and ensures the stream, consumer and bucket exist. */
export async function openCluster(
  url: string,
  o: QueueOptions & { name?: string } = {},
): Promise<Cluster> {
  const servers = parseClusterUrl(url);
  const nc = await connect({
    servers,
    name: o.name,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 250,
  })
    .catch((e) => {
      throw new InputError(
        `Cannot connect to --cluster ${url}: ${e instanceof Error ? e.message : e}`,
      );
    });
  const jsm = await jetstreamManager(nc);
  try {
    await jsm.streams.info(JOBS_STREAM);
  } catch {
    await jsm.streams.add({
      name: JOBS_STREAM,
      subjects: [`${JOBS_SUBJECT}.>`],
      retention: RetentionPolicy.Workqueue,
      storage: StorageType.File,
      duplicate_window: 10 * 60 * 1e9,
    });
  }
  let info;
  try {
    info = await jsm.consumers.info(JOBS_STREAM, WORKERS_CONSUMER);
  } catch {
    info = await jsm.consumers.add(JOBS_STREAM, {
      durable_name: WORKERS_CONSUMER,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      ack_wait: (o.ackWaitSeconds ?? 30) * 1e9,
      max_deliver: o.maxDeliver ?? 5,
    });
  }
  const js = jetstream(nc);
  const consumer = await js.consumers.get(JOBS_STREAM, WORKERS_CONSUMER);
  const results = await new Kvm(nc).create(RESULTS_BUCKET, {
    storage: StorageType.File,
    ttl: 7 * 24 * 3600 * 1000,
  });
  return {
    nc,
    js,
    consumer,
    results,
    maxDeliver: info.config.max_deliver ?? 5,
    ackWaitMs: (info.config.ack_wait ?? 30e9) / 1e6,
  };
}
