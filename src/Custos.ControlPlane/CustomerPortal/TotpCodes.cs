using OtpNet;

namespace Custos.ControlPlane.CustomerPortal;

/// Time-based one-time codes (RFC 6238: SHA-1, 6 digits, 30 seconds), the same kind the partner
/// portal's authenticator enrolment uses, so one authenticator app serves both.
public static class TotpCodes
{
    /// A new 160-bit shared key in Base32, as authenticator apps take it.
    public static string NewKey() => Base32Encoding.ToString(KeyGeneration.GenerateRandomKey(20));

    /// The 30-second step <paramref name="code"/> belongs to (one step of clock drift either way
    /// allowed), or null when it is not a current code for <paramref name="key"/>.
    public static long? StepOf(string key, string code, DateTimeOffset now)
    {
        var totp = new Totp(Base32Encoding.ToBytes(key));
        return totp.VerifyTotp(now.UtcDateTime, code, out var step, VerificationWindow.RfcSpecifiedNetworkDelay) ? step : null;
    }
}
