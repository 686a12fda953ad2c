using System.Buffers.Text;
using System.Globalization;
using System.Text;
using Custos.ControlPlane.Mail;
using Custos.Domain.Mail;

namespace Custos.ControlPlane.Partners;

/// The messages partner users get about their own account: an invitation and a password reset.
/// Both carry a link to the partner portal's password page with an Identity token.
public static class PartnerUserMail
{
    public const string InvitationKind = "account.invitation";
    public const string PasswordResetKind = "account.password-reset";

    /// `{PublicBase}reset-password?email=…&amp;code=…` (the token Base64Url-encoded).
    public static Uri PasswordLink(IMailAddresses addresses, string email, string token) =>
        new(addresses.PublicBase,
            $"reset-password?email={Uri.EscapeDataString(email)}&code={Base64Url.EncodeToString(Encoding.UTF8.GetBytes(token))}");

    /// "1 hour", "24 hours", "7 days".
    public static string Describe(TimeSpan validFor) => validFor.TotalHours switch
    {
        1 => "1 hour",
        < 48 => string.Create(CultureInfo.InvariantCulture, $"{validFor.TotalHours:0.#} hours"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{validFor.TotalDays:0.#} days"),
    };

    public static OutgoingMail Invitation(string email, string name, string partnerName, string invitedBy, Uri link, TimeSpan validFor) =>
        MailBody.To(name)
            .Paragraph($"{invitedBy} added you as a user of {partnerName} on Custos.")
            .Paragraph($"To choose your password, open the link below within {Describe(validFor)}. It works once.")
            .Action("Choose your password", link)
            .Footer("When the link has expired, use \"Forgot your password?\" on the sign-in page to get a new one.")
            .ToMail(email, "You are invited to Custos", name);

    public static OutgoingMail PasswordReset(string email, string? name, Uri link, TimeSpan validFor) =>
        MailBody.To(string.IsNullOrWhiteSpace(name) ? email : name)
            .Paragraph($"Someone asked to reset the password of your Custos account ({email}).")
            .Paragraph($"To choose a new password, open the link below within {Describe(validFor)}. It works once.")
            .Action("Choose a new password", link)
            .Footer("If you did not ask for this, ignore this message: your password stays as it is.")
            .ToMail(email, "Reset your Custos password", string.IsNullOrWhiteSpace(name) ? null : name);
}
