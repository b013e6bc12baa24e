import java.text.MessageFormat;
import java.util.Locale;
import java.util.ResourceBundle;

/** Greets in the language of a resource bundle found on the classpath (resources/messages*.properties). */
public class App {
    static String greet(Locale locale, String name, int count) {
        ResourceBundle rb = ResourceBundle.getBundle("messages", locale);
        String hello = MessageFormat.format(rb.getString("greeting"), name);
        String inbox = MessageFormat.format(rb.getString("inbox"), count);
        return hello + " " + inbox;
    }

    public static void main(String[] args) {
        Locale.setDefault(Locale.ROOT);
        if (args.length > 0 && args[0].equals("--selftest")) {
            String en = greet(Locale.ENGLISH, "Ada", 2);
            String de = greet(Locale.GERMAN, "Ada", 1);
            boolean ok = en.equals("Hello, Ada! You have 2 new messages.")
                    && de.equals("Hallo, Ada! Du hast 1 neue Nachricht.");
            System.out.println(ok ? "selftest ok" : "selftest FAILED: " + en + " / " + de);
            System.exit(ok ? 0 : 1);
        }
        String lang = System.getenv().getOrDefault("APP_LANG", "en");
        String name = args.length > 0 ? args[0] : "world";
        System.out.println(greet(Locale.forLanguageTag(lang), name, 0));
    }
}
