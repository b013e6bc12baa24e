import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;

/** Maps a request path to a status and a plain-text body. */
public final class Router {
    private Router() {}

    record Response(int status, String body) {}

    static Response handle(String path) {
        if (path.equals("/health")) {
            return new Response(200, "ok");
        }
        if (path.startsWith("/hello/") && path.length() > "/hello/".length()) {
            String name = URLDecoder.decode(path.substring("/hello/".length()), StandardCharsets.UTF_8);
            return new Response(200, "Hello, " + name + "!");
        }
        if (path.equals("/") || path.equals("/hello")) {
            return new Response(200, "Hello, world!");
        }
        return new Response(404, "not found: " + path);
    }
}
