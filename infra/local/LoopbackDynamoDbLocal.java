/*
 * Runs DynamoDB Local as its own main class does, with two differences:
 * it listens on 127.0.0.1 only (DynamoDB Local 1.25.1 has no option for the
 * address; its Jetty connector takes every interface), and it exits when its
 * standard input closes, so it never outlives the process that started it,
 * even one killed with SIGKILL.
 */
import com.amazonaws.services.dynamodbv2.local.main.ServerRunner;
import com.amazonaws.services.dynamodbv2.local.server.DynamoDBProxyServer;
import java.lang.reflect.Field;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

public class LoopbackDynamoDbLocal {
  public static void main(String[] args) throws Exception {
    Thread watchdog = new Thread(() -> {
      try {
        while (System.in.read() != -1) {
          // The parent never writes; only the end of the pipe matters.
        }
      } catch (Exception ignored) {
        // A broken pipe means the same as its end.
      }
      // In memory, nothing to flush: stop at once.
      Runtime.getRuntime().halt(0);
    }, "parent-watchdog");
    watchdog.setDaemon(true);
    watchdog.start();

    DynamoDBProxyServer proxy = ServerRunner.createServerFromCommandLineArgs(args);
    Field field = DynamoDBProxyServer.class.getDeclaredField("server");
    field.setAccessible(true);
    Server server = (Server) field.get(proxy);
    for (Connector connector : server.getConnectors()) {
      ((ServerConnector) connector).setHost("127.0.0.1");
    }
    proxy.start();
  }
}
