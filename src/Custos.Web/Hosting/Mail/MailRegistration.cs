using Custos.ControlPlane.Mail;
using MimeKit;

namespace Custos.Web.Hosting.Mail;

public static class MailRegistration
{
    /// Registers the transport (SMTP when Custos:Mail:Smtp:Host is set, else .eml files under
    /// `{dataPath}/mail`) and the outbox delivery; checks the mail settings first.
    public static void AddCustosMail(this IServiceCollection services, CustosOptions options, string dataPath)
    {
        // Checked here so a wrong setting stops the start instead of the first mail.
        var problems = Problems(options).ToList();
        if (problems.Count > 0)
        {
            throw new InvalidOperationException("The mail settings are not usable: " + string.Join(" ", problems));
        }

        services.AddSingleton(new MailFolder(Path.Combine(dataPath, "mail")));
        if (options.Mail.Smtp.Host.Length > 0)
        {
            services.AddSingleton<IMailSender, SmtpMailSender>();
        }
        else
        {
            services.AddSingleton<IMailSender, FileMailSender>();
        }

        services.AddSingleton<IMailAddresses, MailAddresses>();
        services.AddScoped<OutboxDelivery>();
    }

    /// Every problem with the mail settings, each naming its key.
    public static IEnumerable<string> Problems(CustosOptions options)
    {
        if (!MailboxAddress.TryParse(options.Mail.From, out var from) || from.Address.Length == 0 || !from.Address.Contains('@', StringComparison.Ordinal))
        {
            yield return $"Custos:Mail:From is not a mail address: \"{options.Mail.From}\".";
        }

        if (options.PublicUrl.Length > 0
            && !(Uri.TryCreate(options.PublicUrl, UriKind.Absolute, out var url) && (url.Scheme == Uri.UriSchemeHttps || url.Scheme == Uri.UriSchemeHttp)))
        {
            yield return $"Custos:PublicUrl must be an absolute http(s) address: \"{options.PublicUrl}\".";
        }

        var smtp = options.Mail.Smtp;
        if (smtp.Host.Length > 0)
        {
            if (smtp.Host.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)) || smtp.Host.Contains("://", StringComparison.Ordinal))
            {
                yield return $"Custos:Mail:Smtp:Host must be a host name or address only (no scheme, no spaces): \"{smtp.Host}\".";
            }

            if (smtp.Port is < 0 or > 65535)
            {
                yield return $"Custos:Mail:Smtp:Port must be between 1 and 65535 (0: the usual port of the security mode), not {smtp.Port}.";
            }

            if (!Enum.IsDefined(smtp.Security))
            {
                yield return "Custos:Mail:Smtp:Security must be None, StartTls, SslOnConnect or Auto.";
            }

            if (smtp.ConnectTimeoutSeconds is < 1 or > 600 || smtp.CommandTimeoutSeconds is < 1 or > 600)
            {
                yield return "Custos:Mail:Smtp:ConnectTimeoutSeconds and CommandTimeoutSeconds must be between 1 and 600.";
            }

            if (smtp.UserName.Length == 0 && smtp.Password.Length > 0)
            {
                yield return "Custos:Mail:Smtp:Password is set but UserName is empty.";
            }
        }
        else if (smtp.UserName.Length > 0 || smtp.Port != 0)
        {
            yield return "Custos:Mail:Smtp:Host is empty, so the other Smtp settings would be ignored: set Host, or remove them.";
        }

        var delivery = options.Mail.Delivery;
        if (delivery.IntervalSeconds < 1 || delivery.BatchSize is < 1 or > 1000)
        {
            yield return "Custos:Mail:Delivery:IntervalSeconds must be at least 1 and BatchSize between 1 and 1000.";
        }

        if (delivery.FirstRetrySeconds < 1 || delivery.MaxRetrySeconds < delivery.FirstRetrySeconds || delivery.GiveUpAfterHours < 1)
        {
            yield return "Custos:Mail:Delivery needs FirstRetrySeconds ≥ 1, MaxRetrySeconds ≥ FirstRetrySeconds and GiveUpAfterHours ≥ 1.";
        }
    }
}
