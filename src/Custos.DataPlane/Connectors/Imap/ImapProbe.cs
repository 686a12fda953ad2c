using Custos.Domain.Backup;

namespace Custos.DataPlane.Connectors.Imap;

/// "Test connection" over IMAP: signs in, counts folders and messages read-only, and names the form
/// field a failure is about.
public sealed class ImapProbe(ImapConnector connector) : IImapProbe
{
    public async Task<ImapProbeResult> ProbeAsync(ImapEndpoint endpoint, CancellationToken ct)
    {
        var tested = await connector.TestAsync(endpoint, ct);
        if (tested.Failure is not { } failure)
        {
            return ImapProbeResult.Found(tested.Folders, tested.Messages);
        }

        var field = failure.Kind switch
        {
            ImapFailureKind.AuthenticationFailed => nameof(ImapEndpoint.Password),
            ImapFailureKind.TlsFailed => nameof(ImapEndpoint.Security),
            ImapFailureKind.ProtocolError => nameof(ImapEndpoint.Port),
            ImapFailureKind.Unreachable => nameof(ImapEndpoint.Port),
            _ => nameof(ImapEndpoint.Host),
        };
        return new ImapProbeResult(field, failure.Message, 0, 0);
    }
}
