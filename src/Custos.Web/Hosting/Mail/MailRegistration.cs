using Custos.ControlPlane.Mail;
using MimeKit;

namespace Custos.Web.Hosting.Mail;

public static class MailRegistration
{
    /// Registers the .eml file transport under `{dataPath}/mail`; checks the sender and the public address links in mail use.
    public static void AddCustosMail(this IServiceCollection services, CustosOptions options, string dataPath)
    {
        // Checked here so a wrong setting stops the start instead of the first mail.
        if (!MailboxAddress.TryParse(options.Mail.From, out _))
        {
            throw new InvalidOperationException($"Custos:Mail:From is not a mail address: \"{options.Mail.From}\".");
        }

        if (options.PublicUrl.Length > 0
            && !(Uri.TryCreate(options.PublicUrl, UriKind.Absolute, out var url) && (url.Scheme == Uri.UriSchemeHttps || url.Scheme == Uri.UriSchemeHttp)))
        {
            throw new InvalidOperationException($"Custos:PublicUrl must be an absolute http(s) address: \"{options.PublicUrl}\".");
        }

        services.AddSingleton(new MailFolder(Path.Combine(dataPath, "mail")));
        services.AddSingleton<IMailSender, FileMailSender>();
        services.AddSingleton<IMailAddresses, MailAddresses>();
    }
}
