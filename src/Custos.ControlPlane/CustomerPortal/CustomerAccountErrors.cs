using Custos.Domain;

namespace Custos.ControlPlane.CustomerPortal;

/// The same answer for an unknown email and a wrong password, so sign-in reveals no accounts.
public sealed record WrongCredentials() : Error("wrong_credentials", "The email or password is not right.");

public sealed record CustomerLockedOut()
    : Error("locked_out", "This account is locked after too many failed sign-ins. Try again in 15 minutes, or reset your password.");

public sealed record WrongCode()
    : Error("wrong_code", "That code is not right. Codes change every 30 seconds: enter the one your app shows now.");

/// The half-finished sign-in (password checked, code pending) no longer matches the account.
public sealed record SignInTimedOut() : Error("sign_in_timed_out", "Your sign-in has timed out. Sign in again with your email and password.");

public sealed record AccessLinkInvalid() : Error("access-link-invalid", "This link is not valid. Check that you opened the whole link from the mail, or ask for a new one.");
