/*
 * The stage's CloudWatch alarms, as data: stacks/alarms.ts makes one `aws.cloudwatch.MetricAlarm`
 * of each, and infra-contract.test.ts checks them without SST. docs/deploy.md ("When an alarm
 * fires") says what to look at for each.
 */

/** Where the runbook is, in every alarm's description. */
export const RUNBOOK = "docs/deploy.md#when-an-alarm-fires";

/**
 * A stream subscriber falls behind: Lambda's `IteratorAge` (the age of a batch's last record when
 * it was handed over) above a minute in each of 5 minutes running. Healthy is a few hundred ms;
 * a minute that lasts means a batch is being retried or the function cannot keep up. There are
 * hours to act: the mapping gives a record up at 6 h (maximumRecordAgeInSeconds), the stream keeps
 * it 24 h. No traffic sends no data points: not a breach.
 */
export const iteratorAgeAlarm = {
  namespace: "AWS/Lambda",
  metricName: "IteratorAge",
  statistic: "Maximum",
  period: 60,
  evaluationPeriods: 5,
  datapointsToAlarm: 5,
  threshold: 60_000,
  comparisonOperator: "GreaterThanThreshold",
  treatMissingData: "notBreaching",
} as const;

/**
 * A subscriber gave a batch up: any message in its failure queue (Lambda's on-failure
 * destination; each one names a shard and a sequence-number range whose records were not
 * applied). Each one needs an operator before the stream drops the records, 24 h after they were
 * written.
 */
export const failureQueueAlarm = {
  namespace: "AWS/SQS",
  metricName: "ApproximateNumberOfMessagesVisible",
  statistic: "Maximum",
  period: 60,
  evaluationPeriods: 1,
  datapointsToAlarm: 1,
  threshold: 0,
  comparisonOperator: "GreaterThanThreshold",
  treatMissingData: "notBreaching",
} as const;

/**
 * Where alarms go. `STREAMBOARD_ALARM_TOPIC_ARN` at deploy time: an SNS topic you already have
 * (a pager, AWS Chatbot); else `STREAMBOARD_ALARM_EMAIL`: a topic of this stage with that address
 * subscribed (AWS mails it a confirmation link first); else none: the alarms still change state
 * in the CloudWatch console, and notify nobody.
 */
export type AlarmTarget =
  { kind: "topic"; arn: string } | { kind: "email"; address: string } | { kind: "none" };

export function alarmTarget(env: Record<string, string | undefined>): AlarmTarget {
  const arn = env.STREAMBOARD_ALARM_TOPIC_ARN?.trim();
  if (arn) {
    if (!/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[\w-]+$/.test(arn)) {
      throw new Error(`STREAMBOARD_ALARM_TOPIC_ARN is not an SNS topic ARN: "${arn}"`);
    }
    return { kind: "topic", arn };
  }
  const address = env.STREAMBOARD_ALARM_EMAIL?.trim();
  if (address) {
    if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(address)) {
      throw new Error(`STREAMBOARD_ALARM_EMAIL is not an email address: "${address}"`);
    }
    return { kind: "email", address };
  }
  return { kind: "none" };
}
