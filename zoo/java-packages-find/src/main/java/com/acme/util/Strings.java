package com.acme.util;

import java.text.Normalizer;
import java.util.Locale;

public final class Strings {
    private Strings() {}

    /** "Cr\u00e8me Br\u00fbl\u00e9e, 2 ways!" -> "creme-brulee-2-ways" (accents dropped) */
    public static String slugify(String s) {
        String ascii = Normalizer.normalize(s, Normalizer.Form.NFD).replaceAll("\\p{M}", "");
        return ascii.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("^-+|-+$", "");
    }

    /** "hello world" -> "Hello World" */
    public static String titleCase(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        boolean start = true;
        for (char c : s.toCharArray()) {
            sb.append(start ? Character.toUpperCase(c) : Character.toLowerCase(c));
            start = Character.isWhitespace(c);
        }
        return sb.toString();
    }

    public static String truncate(String s, int max) {
        return s.length() <= max ? s : s.substring(0, Math.max(0, max - 1)) + "\u2026";
    }
}
