-- Where each sink's consumer group has come to in each partition of the topic: written in the
-- transaction that stores those records, so stored and consumed never disagree.
CREATE TABLE sink_offsets (
  consumer_group TEXT    NOT NULL,
  topic          TEXT    NOT NULL,
  partition      INTEGER NOT NULL,
  next_offset    BIGINT  NOT NULL,
  PRIMARY KEY (consumer_group, topic, partition)
);
