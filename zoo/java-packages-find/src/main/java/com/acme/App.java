package com.acme;

import com.acme.util.Strings;

/** Text helpers on the command line: App slug|title TEXT...  or  App --selftest */
public class App {
    static String run(String cmd, String text) {
        switch (cmd) {
            case "slug":
                return Strings.slugify(text);
            case "title":
                return Strings.titleCase(text);
            default:
                throw new IllegalArgumentException("unknown command: " + cmd);
        }
    }

    public static void main(String[] args) {
        if (args.length == 1 && args[0].equals("--selftest")) {
            boolean ok = run("slug", "Cr\u00e8me Br\u00fbl\u00e9e, 2 ways!").equals("creme-brulee-2-ways")
                    && run("title", "hELLO wORLD").equals("Hello World")
                    && Strings.truncate("abcdef", 4).equals("abc\u2026");
            System.out.println(ok ? "selftest ok" : "selftest FAILED");
            System.exit(ok ? 0 : 1);
        }
        if (args.length < 2) {
            System.err.println("usage: App slug|title TEXT...");
            System.exit(2);
        }
        String text = String.join(" ", java.util.Arrays.copyOfRange(args, 1, args.length));
        System.out.println(run(args[0], text));
    }
}
