using Custos.Domain.Backup;
using MailKit.Security;

namespace Custos.DataPlane.Connectors.Imap;

internal static class ImapEndpointSockets
{
    public static SecureSocketOptions SocketOptions(this ImapEndpoint endpoint) => endpoint.Security switch
    {
        ImapSecurity.SslOnConnect => SecureSocketOptions.SslOnConnect,
        ImapSecurity.StartTls => SecureSocketOptions.StartTls,
        _ => SecureSocketOptions.None,
    };
}
