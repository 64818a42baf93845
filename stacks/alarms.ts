import { alarmTarget, failureQueueAlarm, iteratorAgeAlarm, RUNBOOK } from "./alarm-rules.ts";

type Subscriber = {
  /** The alarm's resource name part, e.g. "Aggregator". */
  id: string;
  functionName: $util.Input<string>;
  queueName: $util.Input<string>;
};

/**
 * The stage's alarms (stacks/alarm-rules.ts has the thresholds and why): for each stream
 * subscriber, its `IteratorAge` and its failure queue's depth. Their actions go to the optional
 * alarm topic, and back to it when the alarm clears.
 */
export function createAlarms(subscribers: Subscriber[]) {
  const target = alarmTarget(process.env);
  let topicArn: $util.Input<string> | undefined;
  if (target.kind === "topic") topicArn = target.arn;
  if (target.kind === "email") {
    const topic = new sst.aws.SnsTopic("Alarms");
    new aws.sns.TopicSubscription("AlarmsEmail", {
      topic: topic.arn,
      protocol: "email",
      endpoint: target.address,
    });
    topicArn = topic.arn;
  }
  const actions = topicArn ? { alarmActions: [topicArn], okActions: [topicArn] } : {};

  // Named `<app>-<stage>-…` (not Pulumi's random suffix), so a stage's alarms list by prefix.
  const named = (suffix: string) => `${$app.name}-${$app.stage}-${suffix}`;
  const alarms = subscribers.flatMap(({ id, functionName, queueName }) => [
    new aws.cloudwatch.MetricAlarm(`${id}IteratorAge`, {
      name: named(`${id}IteratorAge`),
      ...iteratorAgeAlarm,
      dimensions: { FunctionName: functionName },
      alarmDescription: `${id} is more than a minute behind the stream. See ${RUNBOOK}.`,
      ...actions,
    }),
    new aws.cloudwatch.MetricAlarm(`${id}FailureQueue`, {
      name: named(`${id}FailureQueue`),
      ...failureQueueAlarm,
      dimensions: { QueueName: queueName },
      alarmDescription: `${id} gave a batch up (its failure queue has messages). See ${RUNBOOK}.`,
      ...actions,
    }),
  ]);
  return { alarms, topicArn };
}
