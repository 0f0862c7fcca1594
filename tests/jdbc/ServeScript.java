// tests/jdbc/ServeScript.java — a small JDBC client for the `hdcopy serve` tests (tests/integration/test_serve_jdbc.py).
//
// usage: java -cp target/lib/*:target/classes ServeScript JDBC_URL USER PASSWORD SCRIPT
//
// Connects once with the PostgreSQL JDBC driver (pgjdbc: SCRAM, extended protocol unless the URL says
// preferQueryMode=simple) and runs SCRIPT, one step per line:
//
//   exec SQL          Statement.execute(SQL): prints the update count or the rows, and every SQLWarning (INFO lines)
//   prepared SQL|p1|p2  PreparedStatement with string parameters (setString), executeQuery: prints the rows
//   copyin SQL        PostgreSQL's own COPY … FROM STDIN through org.postgresql.copy.CopyManager; the data are the
//                     following lines up to a line "\." (not sent)
//   autocommit on|off Connection.setAutoCommit
//   commit / rollback Connection.commit / rollback
//   # …               a comment; blank lines are skipped
//
// A step that throws SQLException is reported (SQLSTATE and message) and the script goes on with the same
// connection, so the caller can check that the session survives a failure.
//
// Output, one record a line, fields separated by TAB, each field escaped (\\ \t \n \r):
//   step N KIND SQL | update COUNT | row F1 F2 … (NULL as \N) | warning MESSAGE | error SQLSTATE MESSAGE |
//   copied COUNT | done
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.FileReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLWarning;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

import org.postgresql.PGConnection;
import org.postgresql.copy.CopyManager;

public class ServeScript {
    static final PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);

    static String esc(String s) {
        if (s == null) return "\\N";
        StringBuilder b = new StringBuilder(s.length() + 8);
        for (char c : s.toCharArray()) {
            switch (c) {
                case '\\': b.append("\\\\"); break;
                case '\t': b.append("\\t"); break;
                case '\n': b.append("\\n"); break;
                case '\r': b.append("\\r"); break;
                default: b.append(c);
            }
        }
        return b.toString();
    }

    static void emit(String... fields) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < fields.length; i++) {
            if (i > 0) b.append('\t');
            b.append(i == 0 ? fields[i] : esc(fields[i]));
        }
        out.println(b);
    }

    static void warnings(SQLWarning w) {
        for (; w != null; w = w.getNextWarning()) emit("warning", w.getMessage());
    }

    static void rows(ResultSet rs) throws SQLException {
        int n = rs.getMetaData().getColumnCount();
        while (rs.next()) {
            String[] f = new String[n + 1];
            f[0] = "row";
            for (int i = 1; i <= n; i++) f[i] = rs.getString(i);
            emit(f);
        }
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 4) {
            System.err.println("usage: ServeScript JDBC_URL USER PASSWORD SCRIPT");
            System.exit(2);
        }
        Properties props = new Properties();
        props.setProperty("user", args[1]);
        props.setProperty("password", args[2]);
        List<String> lines = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new FileReader(args[3], StandardCharsets.UTF_8))) {
            for (String l; (l = r.readLine()) != null; ) lines.add(l);
        }
        try (Connection conn = DriverManager.getConnection(args[0], props)) {
            emit("connected", conn.getMetaData().getDatabaseProductVersion());
            int step = 0;
            for (int i = 0; i < lines.size(); i++) {
                String line = lines.get(i);
                if (line.isBlank() || line.startsWith("#")) continue;
                int sp = line.indexOf(' ');
                String kind = sp < 0 ? line : line.substring(0, sp);
                String sql = sp < 0 ? "" : line.substring(sp + 1);
                StringBuilder data = new StringBuilder();
                if (kind.equals("copyin")) {
                    while (++i < lines.size() && !lines.get(i).equals("\\.")) data.append(lines.get(i)).append('\n');
                }
                emit("step", Integer.toString(++step), kind, sql);
                try {
                    switch (kind) {
                        case "exec": {
                            try (Statement st = conn.createStatement()) {
                                boolean isRs = st.execute(sql);
                                while (true) {
                                    if (isRs) {
                                        try (ResultSet rs = st.getResultSet()) { rows(rs); }
                                    } else {
                                        int uc = st.getUpdateCount();
                                        if (uc == -1) break;
                                        emit("update", Integer.toString(uc));
                                    }
                                    isRs = st.getMoreResults();
                                }
                                warnings(st.getWarnings());
                            }
                            break;
                        }
                        case "prepared": {
                            String[] parts = sql.split("\\|", -1);
                            try (PreparedStatement ps = conn.prepareStatement(parts[0])) {
                                for (int p = 1; p < parts.length; p++) ps.setString(p, parts[p]);
                                try (ResultSet rs = ps.executeQuery()) { rows(rs); }
                                warnings(ps.getWarnings());
                            }
                            break;
                        }
                        case "copyin": {
                            CopyManager cm = conn.unwrap(PGConnection.class).getCopyAPI();
                            long n = cm.copyIn(sql, new ByteArrayInputStream(
                                    data.toString().getBytes(StandardCharsets.UTF_8)));
                            emit("copied", Long.toString(n));
                            break;
                        }
                        case "autocommit":
                            conn.setAutoCommit(sql.trim().equalsIgnoreCase("on"));
                            break;
                        case "commit":
                            conn.commit();
                            break;
                        case "rollback":
                            conn.rollback();
                            break;
                        default:
                            throw new IllegalArgumentException("unknown step kind: " + kind);
                    }
                    warnings(conn.getWarnings());
                    conn.clearWarnings();
                } catch (SQLException e) {
                    emit("error", e.getSQLState() == null ? "" : e.getSQLState(), e.getMessage());
                }
            }
            emit("done");
        }
    }
}
