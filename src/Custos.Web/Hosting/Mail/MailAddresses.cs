using Custos.ControlPlane.Mail;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using MimeKit;

namespace Custos.Web.Hosting.Mail;

/// Links in mail start at Custos:PublicUrl; without it, at the address this host listens on (a
/// wildcard host becomes "localhost"), which suits a first run on one machine.
public sealed class MailAddresses(CustosOptions options, IServer server) : IMailAddresses
{
    private readonly Lazy<Uri> _base = new(() => Resolve(options, server));

    public Uri PublicBase => _base.Value;

    public string MessageIdDomain { get; } = MailboxAddress.TryParse(options.Mail.From, out var from) && from.Domain.Length > 0
        ? from.Domain
        : "custos.local";

    private static Uri Resolve(CustosOptions options, IServer server)
    {
        if (!string.IsNullOrWhiteSpace(options.PublicUrl))
        {
            return new Uri(options.PublicUrl.TrimEnd('/') + "/");
        }

        var listening = server.Features.Get<IServerAddressesFeature>()?.Addresses
            .Select(a => a.Replace("://+", "://localhost").Replace("://*", "://localhost")
                .Replace("://0.0.0.0", "://localhost").Replace("://[::]", "://localhost"))
            .OrderBy(a => a.StartsWith("https:", StringComparison.Ordinal) ? 0 : 1)
            .FirstOrDefault();
        return new Uri((listening ?? "http://localhost:5000").TrimEnd('/') + "/");
    }
}
