import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** Verifies a Five-Color Code webhook delivery (Standard Webhooks), Java 11+ standard library only. */
public final class VerifyWebhook {
  private VerifyWebhook() {}

  /**
   * True when one of the `webhook-signature` header's signatures is valid for `body` (the raw bytes as
   * received, before any parsing) and the `webhook-timestamp` is within 5 minutes of this clock.
   */
  public static boolean verify(byte[] body, String id, String timestamp, String signatures, String secret)
      throws java.security.GeneralSecurityException {
    if (body == null || id == null || timestamp == null || signatures == null || secret == null) return false;
    long sentAt;
    try {
      sentAt = Long.parseLong(timestamp.trim());
    } catch (NumberFormatException e) {
      return false;
    }
    if (Math.abs(System.currentTimeMillis() / 1000 - sentAt) > 300) return false;
    byte[] key = Base64.getDecoder().decode(secret.startsWith("whsec_") ? secret.substring(6) : secret);
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(key, "HmacSHA256"));
    mac.update((id + "." + timestamp + ".").getBytes(StandardCharsets.UTF_8));
    byte[] expected = Base64.getEncoder().encode(mac.doFinal(body));
    for (String s : signatures.trim().split(" +")) {
      if (s.startsWith("v1,")
          && MessageDigest.isEqual(s.substring(3).getBytes(StandardCharsets.US_ASCII), expected)) return true;
    }
    return false;
  }
}
