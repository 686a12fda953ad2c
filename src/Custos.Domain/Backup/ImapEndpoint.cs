namespace Custos.Domain.Backup;

/// How the connection to an IMAP server is protected.
public enum ImapSecurity
{
    /// TLS from the first byte (port 993).
    SslOnConnect = 1,

    /// Plain connection upgraded with STARTTLS, which the server must offer (port 143).
    StartTls = 2,

    /// No encryption: only for servers on a trusted network.
    None = 3,
}

/// One mailbox on an IMAP server and the secret that opens it. The password never appears in
/// <see cref="ToString"/>, logs or errors.
public sealed record ImapEndpoint(string Host, int Port, ImapSecurity Security, string UserName, string Password)
{
    public const int MaxHostLength = 253;
    public const int MaxUserNameLength = 320;
    public const int MaxPasswordLength = 1024;

    /// The mailbox's address: the user name when it is one, else user@host.
    public string MailboxAddress => UserName.Contains('@') ? UserName.Trim() : $"{UserName.Trim()}@{Host.Trim()}";

    /// "user on host:port", for messages and logs.
    public string Display => $"{UserName} on {Host}:{Port}";

    public override string ToString() => $"{Display} ({Security})";

    /// The field rules of the connection form; every message names its field.
    public IReadOnlyList<FieldError> Validate()
    {
        var errors = new List<FieldError>();
        var host = Host.Trim();
        if (host.Length == 0)
        {
            errors.Add(new FieldError(nameof(Host), "Enter the IMAP server's host name, e.g. imap.example.com."));
        }
        else if (host.Length > MaxHostLength || Uri.CheckHostName(host) == UriHostNameType.Unknown)
        {
            errors.Add(new FieldError(nameof(Host), "The host name is not valid: use a name like imap.example.com or an IP address, without \"imap://\" or a port."));
        }

        if (Port is < 1 or > 65535)
        {
            errors.Add(new FieldError(nameof(Port), "The port must be a number from 1 to 65535 (usually 993 with TLS, 143 with STARTTLS)."));
        }

        if (!Enum.IsDefined(Security))
        {
            errors.Add(new FieldError(nameof(Security), "Choose how the connection is protected: TLS, STARTTLS or none."));
        }

        if (string.IsNullOrWhiteSpace(UserName))
        {
            errors.Add(new FieldError(nameof(UserName), "Enter the user name of the mailbox (often its email address)."));
        }
        else if (UserName.Length > MaxUserNameLength || TextKey.HasControlCharacters(UserName))
        {
            errors.Add(new FieldError(nameof(UserName), $"The user name must be at most {MaxUserNameLength} characters, without control characters."));
        }

        if (string.IsNullOrEmpty(Password))
        {
            errors.Add(new FieldError(nameof(Password), "Enter the mailbox's password (or app password)."));
        }
        else if (Password.Length > MaxPasswordLength || Password.Contains('\0') || Password.Contains('\r') || Password.Contains('\n'))
        {
            errors.Add(new FieldError(nameof(Password), $"The password must be at most {MaxPasswordLength} characters, without line breaks."));
        }

        return errors;
    }
}
