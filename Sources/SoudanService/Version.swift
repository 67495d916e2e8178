/// The one version string: `soudand --version` and `sys.describe` print it.
public enum SoudanVersion {
    public static let string = "0.1.0"
    public static let protocolVersion: Int64 = 1
}
