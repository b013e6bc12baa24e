package com.acme;

import java.util.ArrayList;
import java.util.List;

/** Roman numerals: java -jar app.jar 1994 2024  ->  MCMXCIV MMXXIV */
public class App {
    private static final int[] VALUES = {1000, 900, 500, 400, 100, 90, 50, 40, 10, 9, 5, 4, 1};
    private static final String[] SYMBOLS = {"M", "CM", "D", "CD", "C", "XC", "L", "XL", "X", "IX", "V", "IV", "I"};

    public static String toRoman(int n) {
        if (n <= 0 || n >= 4000) throw new IllegalArgumentException("out of range: " + n);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < VALUES.length; i++) {
            while (n >= VALUES[i]) {
                sb.append(SYMBOLS[i]);
                n -= VALUES[i];
            }
        }
        return sb.toString();
    }

    public static int fromRoman(String s) {
        int total = 0;
        int i = 0;
        for (int k = 0; k < VALUES.length; k++) {
            while (s.startsWith(SYMBOLS[k], i)) {
                total += VALUES[k];
                i += SYMBOLS[k].length();
            }
        }
        if (i != s.length()) throw new IllegalArgumentException("not a roman numeral: " + s);
        return total;
    }

    public static void main(String[] args) {
        if (args.length == 1 && args[0].equals("--selftest")) {
            boolean ok = toRoman(1994).equals("MCMXCIV") && fromRoman("MMXXIV") == 2024;
            for (int n = 1; ok && n < 4000; n++) ok = fromRoman(toRoman(n)) == n;
            System.out.println(ok ? "selftest ok" : "selftest FAILED");
            System.exit(ok ? 0 : 1);
        }
        List<String> out = new ArrayList<>();
        for (String a : args.length > 0 ? args : new String[] {"2024"}) {
            out.add(a.chars().allMatch(Character::isDigit) ? toRoman(Integer.parseInt(a)) : String.valueOf(fromRoman(a)));
        }
        System.out.println(String.join(" ", out));
    }
}
