import java.util.ArrayList;
import java.util.List;

/** Temperature table: java -cp out Main [FROM TO STEP] prints Celsius/Fahrenheit rows. */
public class Main {
    public static void main(String[] args) {
        if (args.length > 0 && args[0].equals("--selftest")) {
            System.exit(Converter.selfTest() ? 0 : 1);
        }
        int from = args.length > 0 ? Integer.parseInt(args[0]) : -10;
        int to = args.length > 1 ? Integer.parseInt(args[1]) : 40;
        int step = args.length > 2 ? Integer.parseInt(args[2]) : 10;
        for (String row : table(from, to, step)) {
            System.out.println(row);
        }
    }

    static List<String> table(int from, int to, int step) {
        List<String> rows = new ArrayList<>();
        for (int c = from; c <= to; c += step) {
            rows.add(String.format("%4d C = %6.1f F", c, Converter.toFahrenheit(c)));
        }
        return rows;
    }
}
