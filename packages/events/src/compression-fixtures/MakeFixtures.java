// How snappy.bin, lz4.bin and zstd.bin were made: the Java client's own compression streams
// (kafka-clients 3.9.1, as a producer compresses a record batch), over the text that
// compression-codecs.test.ts builds (written to a file first); and lz4-block-checksums.bin, the same
// LZ4 frame with a checksum after each block, which the Java client reads but does not write itself
// (other producers may). Run with the local broker's jars:
//   javac -cp "$(ls .services/kafka/libs/*.jar | tr '\n' :)" MakeFixtures.java
//   java -cp "$(ls .services/kafka/libs/*.jar | tr '\n' :):." MakeFixtures plain.txt
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Paths;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.compress.Lz4BlockOutputStream;
import org.apache.kafka.common.record.CompressionType;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.utils.ByteBufferOutputStream;

public class MakeFixtures {
  public static void main(String[] args) throws Exception {
    byte[] plain = Files.readAllBytes(Paths.get(args[0]));
    for (CompressionType type :
        new CompressionType[] {CompressionType.SNAPPY, CompressionType.LZ4, CompressionType.ZSTD}) {
      ByteBufferOutputStream out = new ByteBufferOutputStream(1024);
      try (OutputStream stream =
          Compression.of(type).build().wrapForOutput(out, RecordBatch.MAGIC_VALUE_V2)) {
        stream.write(plain);
      }
      ByteBuffer buffer = out.buffer();
      buffer.flip();
      byte[] bytes = new byte[buffer.remaining()];
      buffer.get(bytes);
      Files.write(Paths.get(type.name + ".bin"), bytes);
    }
    ByteBufferOutputStream out = new ByteBufferOutputStream(1024);
    try (OutputStream stream =
        new Lz4BlockOutputStream(out, Lz4BlockOutputStream.BLOCKSIZE_64KB, 9, true, false)) {
      stream.write(plain);
    }
    ByteBuffer buffer = out.buffer();
    buffer.flip();
    byte[] bytes = new byte[buffer.remaining()];
    buffer.get(bytes);
    Files.write(Paths.get("lz4-block-checksums.bin"), bytes);
  }
}
