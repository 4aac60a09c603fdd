// A version's aliases as chips, `latest` first.
import { orderedAliases } from "../../lib/artifacts";

export default function AliasList({ aliases }: { aliases: string[] }) {
  return (
    <span className="aliases">
      {orderedAliases(aliases).map((a) => (
        <span key={a} className={a === "latest" ? "alias latest" : "alias"} data-testid="artifact-alias">
          {a}
        </span>
      ))}
    </span>
  );
}
