// Stand-in test topology, never shipped: a small WordCount written against Heron's real API
// (org.apache.heron:heron-api), so that HeronSubmitter itself writes the topology definition.
package heron.aurora.sample;

import java.io.IOException;
import java.io.InputStream;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;

import org.apache.heron.api.Config;
import org.apache.heron.api.HeronSubmitter;
import org.apache.heron.api.bolt.BaseRichBolt;
import org.apache.heron.api.bolt.OutputCollector;
import org.apache.heron.api.spout.BaseRichSpout;
import org.apache.heron.api.spout.SpoutOutputCollector;
import org.apache.heron.api.topology.OutputFieldsDeclarer;
import org.apache.heron.api.topology.TopologyBuilder;
import org.apache.heron.api.topology.TopologyContext;
import org.apache.heron.api.tuple.Fields;
import org.apache.heron.api.tuple.Tuple;
import org.apache.heron.api.tuple.Values;

/**
 * Usage: WordCount TOPOLOGY_NAME. The parallelism, the number of stream managers (containers) and the
 * words come from variant.properties inside the jar, so two jars of the same source differ in content.
 */
public final class WordCount {
  private WordCount() {
  }

  /** Emits the variant's words in a loop. */
  public static class WordSpout extends BaseRichSpout {
    private static final long serialVersionUID = 1L;
    private final String[] words;
    private transient SpoutOutputCollector collector;
    private int next;

    public WordSpout(String[] words) {
      this.words = words;
    }

    @Override
    public void open(Map<String, Object> conf, TopologyContext context, SpoutOutputCollector out) {
      collector = out;
    }

    @Override
    public void nextTuple() {
      collector.emit(new Values(words[next]));
      next = (next + 1) % words.length;
    }

    @Override
    public void declareOutputFields(OutputFieldsDeclarer declarer) {
      declarer.declare(new Fields("word"));
    }
  }

  /** Counts the words it is sent; the fields grouping sends each word to one instance. */
  public static class CountBolt extends BaseRichBolt {
    private static final long serialVersionUID = 1L;
    private transient Map<String, Integer> counts;

    @Override
    public void prepare(Map<String, Object> conf, TopologyContext context, OutputCollector out) {
      counts = new HashMap<>();
    }

    @Override
    public void execute(Tuple tuple) {
      counts.merge(tuple.getString(0), 1, Integer::sum);
    }

    @Override
    public void declareOutputFields(OutputFieldsDeclarer declarer) {
    }
  }

  public static void main(String[] args) throws Exception {
    if (args.length != 1) {
      throw new IllegalArgumentException("usage: WordCount TOPOLOGY_NAME");
    }
    Properties variant = loadVariant();
    TopologyBuilder builder = new TopologyBuilder();
    builder.setSpout("word", new WordSpout(variant.getProperty("words").split(",")),
        Integer.parseInt(variant.getProperty("spout.parallelism")));
    builder.setBolt("count", new CountBolt(), Integer.parseInt(variant.getProperty("bolt.parallelism")))
        .fieldsGrouping("word", new Fields("word"));

    Config conf = new Config();
    conf.setNumStmgrs(Integer.parseInt(variant.getProperty("stmgrs")));
    HeronSubmitter.submitTopology(args[0], conf, builder.createTopology());
  }

  private static Properties loadVariant() throws IOException {
    Properties variant = new Properties();
    try (InputStream in = WordCount.class.getResourceAsStream("/variant.properties")) {
      if (in == null) {
        throw new IOException("variant.properties is missing from the jar");
      }
      variant.load(in);
    }
    return variant;
  }
}
