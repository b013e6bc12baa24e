import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;

/**
 * A tiny greeting service: java -cp out Main serves HTTP on $PORT (8080);
 * --route PATH prints the answer for one path; --selftest serves on a free port and asks it.
 */
public class Main {
    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("--selftest")) {
            System.exit(selfTest() ? 0 : 1);
        }
        if (args.length > 1 && args[0].equals("--route")) {
            Router.Response r = Router.handle(args[1]);
            System.out.println(r.body());
            System.exit(r.status() == 200 ? 0 : 1);
        }
        int port = Integer.parseInt(System.getenv().getOrDefault("PORT", "8080"));
        HttpServer server = serve(port);
        System.out.println("greeter listening on :" + server.getAddress().getPort());
    }

    static HttpServer serve(int port) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(port), 0);
        server.createContext("/", exchange -> {
            Router.Response r = Router.handle(exchange.getRequestURI().getPath());
            byte[] body = (r.body() + "\n").getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
            exchange.sendResponseHeaders(r.status(), body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        return server;
    }

    static boolean selfTest() throws Exception {
        HttpServer server = serve(0);
        try {
            HttpClient client = HttpClient.newHttpClient();
            String base = "http://127.0.0.1:" + server.getAddress().getPort();
            HttpResponse<String> hello = get(client, base + "/hello/Zoo");
            HttpResponse<String> health = get(client, base + "/health");
            HttpResponse<String> missing = get(client, base + "/nope");
            boolean ok = hello.statusCode() == 200 && hello.body().equals("Hello, Zoo!\n")
                    && health.statusCode() == 200 && health.body().equals("ok\n")
                    && missing.statusCode() == 404
                    && Router.handle("/hello/caf%C3%A9").body().equals("Hello, caf\u00e9!");
            System.out.println(ok ? "selftest ok" : "selftest FAILED");
            return ok;
        } finally {
            server.stop(0);
        }
    }

    private static HttpResponse<String> get(HttpClient client, String url) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create(url)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
