public final class Converter {
    private Converter() {}

    public static double toFahrenheit(double celsius) {
        return celsius * 9.0 / 5.0 + 32.0;
    }

    public static double toCelsius(double fahrenheit) {
        return (fahrenheit - 32.0) * 5.0 / 9.0;
    }

    static boolean selfTest() {
        boolean ok = toFahrenheit(100) == 212.0
                && toFahrenheit(-40) == -40.0
                && Math.abs(toCelsius(98.6) - 37.0) < 1e-9
                && Main.table(0, 20, 10).size() == 3;
        System.out.println(ok ? "selftest ok" : "selftest FAILED");
        return ok;
    }
}
