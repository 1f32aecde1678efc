"""`leadscore compare`: a model change reviewed like a code change. `history` scores a history of
outcomes with both models and `paired` judges the difference (a paired bootstrap over the same
leads, seeded); `live` scores the CRM's leads with both, writing nothing, and sums up what would
move; `render` prints it all as text, Markdown (a pull-request comment) or JSON."""
