using System.Net.Sockets;
using Custos.Domain.Backup;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Security;

namespace Custos.DataPlane.Connectors.Imap;

/// Why talking to an IMAP server failed, in the terms a person can act on.
public enum ImapFailureKind
{
    /// The host name does not resolve.
    HostNotFound = 1,

    /// Nothing accepts connections on that host and port.
    Unreachable = 2,

    /// The server did not answer in time.
    TimedOut = 3,

    /// The TLS setting does not match the server, or its certificate is not trusted.
    TlsFailed = 4,

    /// The server refused the user name or password.
    AuthenticationFailed = 5,

    /// The server spoke, but not the IMAP this connector expects (often a wrong port).
    ProtocolError = 6,

    /// The connection broke in the middle of the work.
    ConnectionLost = 7,
}

/// A failure with the message shown to the partner and the action that fixes it.
public sealed record ImapFailure(ImapFailureKind Kind, string Message)
{
    /// Failures that another attempt may get past without anyone changing a setting.
    public bool IsTransient => Kind is ImapFailureKind.TimedOut or ImapFailureKind.ConnectionLost or ImapFailureKind.ProtocolError;

    public static ImapFailure ConnectionLost(ImapEndpoint endpoint) =>
        new(ImapFailureKind.ConnectionLost, $"The connection to {endpoint.Host}:{endpoint.Port} was lost; Custos will continue where it stopped.");

    /// Classifies what the client threw. Returns null for exceptions that are not about the
    /// connection (bugs must surface, not be reported as "connection lost").
    public static ImapFailure? From(Exception error, ImapEndpoint endpoint, bool connected)
    {
        var where = $"{endpoint.Host}:{endpoint.Port}";
        switch (error)
        {
            case AuthenticationException:
                return new(ImapFailureKind.AuthenticationFailed,
                    $"The server refused the password for {endpoint.UserName}: re-enter the password for {endpoint.UserName} (for accounts with two-step sign-in, an app password).");
            case SslHandshakeException:
            case System.Security.Authentication.AuthenticationException:
                return new(ImapFailureKind.TlsFailed,
                    $"The secure connection to {where} failed: check the security setting (port 993 usually uses TLS, 143 STARTTLS) and that the server's certificate is valid.");
            case NotSupportedException when endpoint.Security == ImapSecurity.StartTls:
                return new(ImapFailureKind.TlsFailed,
                    $"{where} does not offer STARTTLS: choose TLS (usually port 993) or, on a trusted network only, no encryption.");
            case SocketException s when s.SocketErrorCode is SocketError.HostNotFound or SocketError.NoData or SocketError.TryAgain:
                return new(ImapFailureKind.HostNotFound, $"The host name {endpoint.Host} was not found: check the spelling of the IMAP server.");
            case SocketException s when s.SocketErrorCode is SocketError.ConnectionRefused or SocketError.HostUnreachable or SocketError.NetworkUnreachable:
                return new(ImapFailureKind.Unreachable, $"Nothing answered on {where}: check the host and port, and that the server accepts connections from Custos.");
            case SocketException s when s.SocketErrorCode is SocketError.TimedOut:
            case TimeoutException:
                return new(ImapFailureKind.TimedOut, $"{where} did not answer in time; Custos will try again.");
            case ImapProtocolException when !connected:
                return new(ImapFailureKind.ProtocolError,
                    $"{where} did not answer like an IMAP server: check the port and the security setting (TLS on a plain port, or the reverse, looks like this).");
            case ImapProtocolException:
                return new(ImapFailureKind.ProtocolError, $"{where} sent an answer Custos could not read; Custos will try again.");
            case IOException:
            case ServiceNotConnectedException:
            case SocketException:
                return ConnectionLost(endpoint);
            default:
                return null;
        }
    }
}

/// Thrown when a connection attempt or a run fails for a reason the partner can act on.
public sealed class ImapFailureException(ImapFailure failure, Exception inner) : Exception(failure.Message, inner)
{
    public ImapFailure Failure { get; } = failure;
}
